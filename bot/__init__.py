"""The faces: HTTP, Telegram and the command line, on the retrieval core."""

# retrieval's package import installs its warning filter (jieba's pkg_resources notice) before any face
# imports jieba.
import retrieval  # noqa: F401
