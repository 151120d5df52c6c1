"""The answer reader: question analysis → candidates → fitted scorer → abstention → answer text.

Each stage is one module; `reader.read` runs them in order. "Why was this number chosen" is answered
by `candidates.features` (what was measured) and `scorer` (how the fitted model weighs it).
"""
