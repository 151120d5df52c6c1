"""Logging, configured in one place: one format, chatty libraries quieted, secrets redacted."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log every index build, dictionary load or HTTP request at INFO/DEBUG.
QUIET = ("jieba", "httpx", "sentence_transformers", "faiss", "urllib3", "matplotlib")


class RedactSecret(logging.Filter):
    """Replaces a secret wherever it would be logged (httpx logs request URLs, which contain the bot token)."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and exception text without the secret; never drops a record."""
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), ()
        if record.exc_info:
            # Exception texts (InvalidToken quotes the token) and tracebacks are formatted here, redacted,
            # and kept as text, so no handler formats the raw exception again.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = text.replace(self.secret, "<token>"), None
        elif record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        return True


class QuietLibraries(logging.Filter):
    """Drops the QUIET libraries' records below WARNING, whatever level they set on import."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep warnings and errors, and every record of other loggers."""
        return record.levelno >= logging.WARNING or record.name.split(".")[0] not in QUIET


def redact(text: str, secret: str) -> str:
    """text with the secret replaced (for one-line error messages)."""
    return text.replace(secret, "<token>") if secret else text


def configure_logging(level: int = logging.WARNING, secret: str | None = None) -> None:
    """Set the root level and format (once), quiet the libraries, and redact `secret` from every record."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger().setLevel(level)
    logging.getLogger("newsqa").setLevel(min(level, logging.INFO))  # one line per HTTP request
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, QuietLibraries) for f in handler.filters):
            handler.addFilter(QuietLibraries())
    try:
        import jieba  # it has its own stderr handler at DEBUG ("Building prefix dict…")

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass
    if secret:
        redaction = RedactSecret(secret)
        for logger in (logging.getLogger(), logging.getLogger("telegram"), logging.getLogger("httpx")):
            logger.addFilter(redaction)
            for handler in logger.handlers:
                handler.addFilter(redaction)
