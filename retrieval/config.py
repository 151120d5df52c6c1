"""The one place configuration is read: the environment and a `.env` file, typed and validated once.

`Config` reads everything (pydantic-settings); the parts are handed to the code that needs them as small
typed settings (`Settings` for the engine, `ApiSettings` for HTTP, `TelegramSettings` for the bot), so no
other module reads the environment.

| variable | default | meaning |
|---|---|---|
| NEWSQA_CORPUS | seeds/ | folder of .txt articles |
| NEWSQA_INDEX_DIR | var/index/ | where the index, passages, manifest and facts live |
| NEWSQA_MODEL | e5-small | a backend name (e5-small, m3e-small, m3e-small-int8, use-multilingual) or a model folder |
| NEWSQA_STORE | faiss | where passages are searched: faiss (in process) or milvus |
| NEWSQA_MILVUS_URI | <index dir>/milvus.db | a file path (Milvus Lite, embedded) or http://host:19530 (a server) |
| NEWSQA_MILVUS_TOKEN | unset | user:password or an API key for a Milvus server |
| NEWSQA_MILVUS_COLLECTION | newsqa | the collection (its manifest lives in <name>_meta) |
| NEWSQA_MILVUS_INDEX | FLAT | the vector index type (HNSW, IVF_FLAT… on a server; Lite takes FLAT, IVF_FLAT, AUTOINDEX) |
| NEWSQA_API_KEY | unset | required for writes over HTTP |
| NEWSQA_API_KEY_READS | false | also for reads (1/true/yes/on or 0/false/no/off) |
| TELEGRAM_BOT_TOKEN | unset | the bot's token |
| TELEGRAM_ALLOWED_CHATS | unset (everyone) | chat ids, separated by commas or spaces |
| TELEGRAM_API_BASE_URL | https://api.telegram.org/bot | a self-hosted Bot API server |
| TELEGRAM_WEBHOOK_SECRET | random per start | the webhook's secret token |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"", "0", "false", "no", "off"}
DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting has a value that cannot be understood (the message names the variable and the value)."""


def parse_flag(name: str, value: str | None) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off (any case); anything else is a ConfigError."""
    word = (value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value (use 1/true/yes/on or 0/false/no/off)")


STORES = ("faiss", "milvus")


@dataclass(frozen=True)
class MilvusSettings:
    """Where the Milvus store lives and how its vectors are indexed."""

    uri: str  # a local path → Milvus Lite (embedded); http(s)://host:19530 → a Milvus server or cluster
    token: str | None = None
    collection: str = "newsqa"
    index_type: str = "FLAT"  # a server may use HNSW, IVF_FLAT…; Milvus Lite accepts FLAT, IVF_FLAT, AUTOINDEX

    @property
    def embedded(self) -> bool:
        """True for Milvus Lite (a file path), False for a server URL."""
        return not self.uri.startswith(("http://", "https://", "tcp://", "unix:"))


@dataclass(frozen=True)
class Settings:
    """What the engine needs: where the corpus and the index live, which model embeds, which store searches."""

    corpus_dir: Path
    index_dir: Path
    model: str | None = None  # a backend name or a model folder; None: the default backend
    store: str = "faiss"
    milvus: MilvusSettings | None = None  # set when store == "milvus"
    faiss_index: str = "flat"  # the in-process store's vector index: flat (exact) or hnsw (approximate, for 100k+)

    @classmethod
    def from_env(cls) -> "Settings":
        """The engine's settings from the environment (and .env)."""
        return load_config().engine()

    def for_model(self, model: str) -> "Settings":
        """These settings with another model, whose index lives beside this one (index-<model>, collection
        <name>_<model>): measuring a model never rebuilds the index the bot serves."""
        tag = re.sub(r"\W+", "_", Path(model).name).strip("_") or "model"
        milvus = self.milvus and replace(self.milvus, collection=f"{self.milvus.collection}_{tag}")
        return replace(self, model=model, index_dir=self.index_dir.with_name(f"{self.index_dir.name}-{tag}"),
                       milvus=milvus)


@dataclass(frozen=True)
class ApiSettings:
    """Who may use the HTTP API: an optional key for writes, and optionally for reads too."""

    api_key: str | None
    key_for_reads: bool

    @classmethod
    def from_env(cls) -> "ApiSettings":
        """The API's settings from the environment (and .env)."""
        return load_config().api()


@dataclass(frozen=True)
class TelegramSettings:
    """What the Telegram bot needs; the token is kept as a secret (never printed by repr)."""

    token: SecretStr | None
    allowed_chats: str | None
    api_base_url: str
    webhook_secret: SecretStr | None


class Config(BaseSettings):
    """Every setting, from the environment or a .env file in the working folder."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    corpus_dir: Path = Field(REPO_ROOT / "seeds", alias="NEWSQA_CORPUS")
    index_dir: Path = Field(REPO_ROOT / "var" / "index", alias="NEWSQA_INDEX_DIR")
    model: str | None = Field(None, alias="NEWSQA_MODEL")
    store: str = Field("faiss", alias="NEWSQA_STORE")
    faiss_index: str = Field("flat", alias="NEWSQA_FAISS_INDEX")
    milvus_uri: str | None = Field(None, alias="NEWSQA_MILVUS_URI")
    milvus_token: SecretStr | None = Field(None, alias="NEWSQA_MILVUS_TOKEN")
    milvus_collection: str = Field("newsqa", alias="NEWSQA_MILVUS_COLLECTION", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
    milvus_index: str = Field("FLAT", alias="NEWSQA_MILVUS_INDEX", pattern=r"^[A-Z_]{2,32}$")
    api_key: SecretStr | None = Field(None, alias="NEWSQA_API_KEY")
    api_key_reads: str | None = Field(None, alias="NEWSQA_API_KEY_READS")
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_allowed_chats: str | None = Field(None, alias="TELEGRAM_ALLOWED_CHATS")
    telegram_api_base_url: str = Field(DEFAULT_TELEGRAM_API, alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")

    @field_validator("corpus_dir", "index_dir", "model", "milvus_uri", mode="before")
    @classmethod
    def _empty_is_default(cls, value):
        return None if value == "" else value

    @field_validator("store", mode="before")
    @classmethod
    def _known_store(cls, value):
        value = (value or "faiss").strip().lower()
        if value not in STORES:
            raise ValueError(f"NEWSQA_STORE={value!r} is not one of {', '.join(STORES)}")
        return value

    @field_validator("faiss_index", mode="before")
    @classmethod
    def _known_vector_index(cls, value):
        from retrieval.index.dense import VECTOR_INDEXES

        value = (value or "flat").strip().lower()
        if value not in VECTOR_INDEXES:
            raise ValueError(f"NEWSQA_FAISS_INDEX={value!r} is not one of {', '.join(VECTOR_INDEXES)}")
        return value

    def engine(self) -> Settings:
        """The engine's part."""
        corpus = self.corpus_dir.expanduser() if self.corpus_dir else REPO_ROOT / "seeds"
        index = self.index_dir.expanduser() if self.index_dir else REPO_ROOT / "var" / "index"
        milvus = None
        if self.store == "milvus":
            token = self.milvus_token.get_secret_value() if self.milvus_token else None
            milvus = MilvusSettings(self.milvus_uri or str(index / "milvus.db"), token or None,
                                    self.milvus_collection, self.milvus_index)
        return Settings(corpus, index, self.model or None, self.store, milvus, self.faiss_index)

    def api(self) -> ApiSettings:
        """The HTTP API's part (ConfigError for an unreadable NEWSQA_API_KEY_READS)."""
        key = self.api_key.get_secret_value() if self.api_key else None
        return ApiSettings(key or None, parse_flag("NEWSQA_API_KEY_READS", self.api_key_reads))

    def telegram(self) -> TelegramSettings:
        """The Telegram bot's part."""
        return TelegramSettings(self.telegram_bot_token, self.telegram_allowed_chats,
                                self.telegram_api_base_url or DEFAULT_TELEGRAM_API, self.telegram_webhook_secret)


def load_config() -> Config:
    """Read the configuration now (environment first, then .env); ConfigError names what is wrong."""
    # Models load from local folders only: never ask a model hub, whatever the libraries would try.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        return Config()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{'.'.join(map(str, first.get('loc', ())))}: {first.get('msg')}") from None
