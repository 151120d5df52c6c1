"""What a user hands the core, checked before any work: questions and new articles; typed errors say why."""

from __future__ import annotations

import re

MAX_QUESTION_CHARS = 500


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long, no words)."""


def check_question(question: object) -> str:
    """Return the question stripped, or raise QuestionError saying what is wrong with it."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = question.strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not re.search(r"\w", text):
        raise QuestionError("the question has no words, only punctuation or symbols")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QuestionError("the question holds bytes that are not valid text (check the terminal's encoding)") from None
    return text


class ArticleError(ValueError):
    """An article cannot be added (bad name, no text, nothing indexable)."""


class DuplicateArticle(ArticleError):
    """An article of that name is already in the corpus."""


def article_text_problem(text: str) -> str | None:
    """Why this text cannot be an article (the same rule as for files in the corpus folder), or None."""
    if not isinstance(text, str) or not text.strip():
        return "the article text is empty"
    if "\x00" in text:
        return "the article contains NUL characters (binary data?)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "the article contains characters that are not valid Unicode (lone surrogates)"
    return None


def check_article_name(name: str) -> str:
    """The file name an added article is stored under (…txt), or ArticleError."""
    name = name.strip()
    if not re.fullmatch(r"[\w\-][\w\-. ]{0,119}", name):
        raise ArticleError("the name may use letters, digits, '-', '_', '.' and spaces (at most 120)")
    return name if name.endswith(".txt") else name + ".txt"
