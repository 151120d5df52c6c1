"""POST/GET /ask: a question (in a conversation) → the answer contract."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from bot.conversation import Conversations, ask_in_conversation, new_id
from bot.http.deps import get_conversations, get_engine
from bot.http.schemas import CONVERSATION_ID, ERRORS, AnswerOut, AskRequest
from retrieval.engine import check_question

router = APIRouter(tags=["answers"])


async def _answer(engine, conversations: Conversations, question: str, top_k: int, conversation_id: str | None) -> dict:
    conversation_id = conversation_id or new_id()
    question = check_question(question)
    # The embedding call is CPU-bound: run it off the event loop so /health stays responsive.
    data, turn = await run_in_threadpool(ask_in_conversation, engine.ask, question,
                                         conversations.get(conversation_id), top_k)
    conversations.put(conversation_id, turn)
    data["conversation_id"] = conversation_id
    return data


@router.post("/ask", response_model=AnswerOut, responses=ERRORS)
async def ask_post(body: AskRequest, engine=Depends(get_engine), conversations=Depends(get_conversations)):
    """Answer a question (JSON body); send conversation_id back to ask follow-ups."""
    return await _answer(engine, conversations, body.question, body.top_k, body.conversation_id)


@router.get("/ask", response_model=AnswerOut, responses=ERRORS)
async def ask_get(q: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\w")],
                  top_k: Annotated[int, Query(ge=1, le=20)] = 5,
                  conversation_id: Annotated[str | None, Query(max_length=64, pattern=CONVERSATION_ID)] = None,
                  engine=Depends(get_engine), conversations=Depends(get_conversations)):
    """Answer a question (query string, for curl and browsers)."""
    return await _answer(engine, conversations, q, top_k, conversation_id)
