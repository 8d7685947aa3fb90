"""Finding provisions: Regulations in; ranked Hits out.

Takes the Library, chunks and embeds it into the index (FAISS + BM25, with a
manifest), and hands on the articles and paragraphs that best match a question.
"""
