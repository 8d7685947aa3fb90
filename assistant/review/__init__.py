"""Reviewing texts against the law: a rendering or a statement in; a report out.

compare aligns a translator's English with the official Chinese; check gives an
official's statement a verdict with the provision it rests on.
"""
