"""The retrieval core: corpus → passages → indexes → ranked passages → answers."""

import warnings

# jieba and milvus-lite import pkg_resources (setuptools is kept below 81 for milvus-lite), which warns on
# every start; the warning is about those libraries, not something a user of newsqa can act on.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
