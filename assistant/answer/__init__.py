"""Answering: a question and its Hits in; an Answer with checked Citations out.

Decides in code whether the law addresses the question (scope), then quotes it
(extractive) or has a model write from it (llm); conversation rewrites follow-ups.
"""
