"""The corpus: articles (list, add) and passages (one, with its neighbours)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool

from bot.http.deps import get_engine
from bot.http.schemas import (
    ERRORS,
    ArticleAdded,
    ArticleIn,
    ArticleOut,
    ArticleResult,
    ArticlesAdded,
    ArticlesIn,
    ErrorOut,
    PassageOut,
)
from retrieval.engine import ArticleError, DuplicateArticle, IndexWriteError

router = APIRouter(tags=["corpus"])


@router.get("/passages/{passage_id}", response_model=PassageOut, responses={404: {"model": ErrorOut}, **ERRORS})
async def passage(passage_id: str, engine=Depends(get_engine)):
    """One passage with provenance and neighbours."""
    p = engine.passage(passage_id)
    if p is None:
        raise HTTPException(404, f"no passage {passage_id!r}")
    return PassageOut(id=p.id, source=p.source, title=p.headline, text=p.text, start=p.start, end=p.end,
                      places=p.places, article_places=p.article_places,
                      neighbours=[n.id for n in engine.neighbours(p.id)])


@router.get("/articles", response_model=list[ArticleOut], responses=ERRORS)
async def articles(engine=Depends(get_engine)):
    """The articles in the index."""
    return engine.article_list()


@router.post("/articles", response_model=ArticleAdded, status_code=201,
             responses={409: {"model": ErrorOut}, 507: {"model": ErrorOut}, **ERRORS})
async def add_article(body: ArticleIn, engine=Depends(get_engine)):
    """Save a UTF-8 article into the corpus folder and index it incrementally (409 duplicate, 507 not written)."""
    new = await run_in_threadpool(engine.add_article, body.source, body.text)
    return ArticleAdded(source=new[0].source, passages=len(new), ids=[p.id for p in new])


@router.post("/articles/batch", response_model=ArticlesAdded, responses=ERRORS)
async def add_articles(body: ArticlesIn, engine=Depends(get_engine)):
    """Add several articles, each indexed as POST /articles does; one result per article, in order.

    A duplicate or invalid article is reported and the rest go on; a failed write stops the batch there
    (that article and the ones after it are "not written"; the ones before it stay added)."""
    results: list[ArticleResult] = []
    for i, article in enumerate(body.articles):
        try:
            new = await run_in_threadpool(engine.add_article, article.source, article.text)
        except DuplicateArticle as exc:
            results.append(ArticleResult(source=article.source, status="duplicate", error=str(exc)))
        except ArticleError as exc:
            results.append(ArticleResult(source=article.source, status="invalid", error=str(exc)))
        except IndexWriteError as exc:
            results.extend(ArticleResult(source=a.source, status="not written", error=str(exc))
                           for a in body.articles[i:])
            break
        else:
            results.append(ArticleResult(source=new[0].source, status="added", passages=len(new)))
    return ArticlesAdded(added=sum(r.status == "added" for r in results), results=results)
