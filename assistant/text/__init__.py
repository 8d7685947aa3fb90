"""Reading regulations: official text, rendering and glossary in; typed values out.

Takes the corpus folders (zh.txt, en.txt, glossary.json, meta.json) and hands on a
Library of Regulation → Article → Paragraph → Item, with labels and references.
"""
