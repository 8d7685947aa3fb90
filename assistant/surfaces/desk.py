"""The translators' desk on the page: comparisons as tables, and the downloads.

HTML builders for the Compare tab (one article, and a whole rendering), the Check
tab's table of differences, and the links to the exports
(``GET /api/export/{format}``) on the Regulation and Glossary tabs. Every word
shown comes from prompts/interface.json through ``t``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from urllib.parse import quote

from ..review.check import Difference
from ..review.compare import Comparison
from ..review.compare_all import WholeComparison
from ..text.numerals import label

#: The page's words: an interface.json "page" entry, placeholders filled.
Words = Callable[..., str]

#: What the Regulation tab offers, and the Glossary tab.
REGULATION_DOWNLOADS = ("tmx", "xliff", "docx", "json")
GLOSSARY_DOWNLOADS = ("tbx",)


def downloads_html(t: Words, reg_id: str, formats: tuple[str, ...]) -> str:
    """Links to the exports of one regulation (relative, so a proxy's prefix holds)."""
    links = " · ".join(
        f'<a href="api/export/{fmt}?regulation={quote(reg_id)}" download '
        f'data-format="{fmt}">{html.escape(t(f"download_{fmt}"))}</a>' for fmt in formats)
    return f'<div class="downloads">{html.escape(t("downloads"))}: {links}</div>'


def compare_html(t: Words, report: Comparison) -> str:
    """One article's comparison as a colour-coded table: official, ours, candidate."""
    omitted = {o["zh"] for o in report.omissions}
    number_zh = {n["zh"] for n in report.numbers}
    rows = []
    for a in report.alignments:
        flags = []
        if any(z in a.zh for z in omitted):
            flags.append(("omission", t("flag_omission")))
        terms = [x for x in report.terms if x["zh"] in a.zh and x["sentence"] == a.candidate]
        if terms:
            flags.append(("term", t("flag_term", terms="; ".join(
                f"{x['zh']} → {x['expected']}" for x in terms))))
        if a.zh in number_zh:
            flags.append(("number", t("flag_number", numbers="; ".join(
                f"{n['expected']} ≠ {n['candidate']}" for n in report.numbers
                if n["zh"] == a.zh))))
        cls = flags[0][0] if flags else "ok"
        note = "<br>".join(html.escape(f) for _, f in flags) or "✓"
        rows.append(
            f'<tr class="cmp-{cls}"><td lang="zh-CN">{html.escape(a.zh)}</td>'
            f'<td>{html.escape(a.reference)}</td><td>{html.escape(a.candidate) or "—"}</td>'
            f'<td>{a.similarity:.2f}</td><td>{note}</td></tr>')
    for extra in report.additions:
        rows.append(f'<tr class="cmp-addition"><td>—</td><td>—</td>'
                    f'<td>{html.escape(extra["candidate"])}</td><td></td>'
                    f'<td>{html.escape(t("flag_addition"))}</td></tr>')
    count = (len(report.omissions) + len(report.additions) + len(report.terms)
             + len(report.numbers))
    verdict = (t("compare_clean") if report.clean
               else t("compare_flagged", count=count))
    columns = "".join(f"<th>{html.escape(t(c))}</th>" for c in (
        "col_official", "col_ours", "col_candidate", "col_similarity", "col_flags"))
    return (f'<div class="cmp-summary cmp-{"clean" if report.clean else "flagged"}">'
            f'{html.escape(verdict)}</div><table class="cmp"><thead><tr>{columns}</tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def compare_all_html(t: Words, report: WholeComparison) -> str:
    """A whole rendering's comparison: a row per article, then the inconsistent terms."""
    rows = []
    for art in report.articles:
        missing = art.article in report.missing
        cls = "omission" if missing else ("ok" if art.clean else "flagged")
        cells = ([f'<td colspan="4">{html.escape(t("missing_article"))}</td>'] if missing else
                 [f"<td>{len(x) or ''}</td>" for x in (art.omissions, art.additions,
                                                       art.terms, art.numbers)])
        rows.append(f'<tr class="cmp-{cls}"><td>{art.article}</td>{"".join(cells)}'
                    f'<td>{"✓" if art.clean else "✗"}</td></tr>')
    columns = "".join(f"<th>{html.escape(t(c))}</th>" for c in (
        "col_article", "col_omissions", "col_additions", "col_terms", "col_numbers",
        "col_flags"))
    verdict = (t("compare_all_clean") if report.clean
               else t("compare_all_flagged", count=len(report.flagged) + len(report.extra)))
    out = (f'<div class="cmp-summary cmp-{"clean" if report.clean else "flagged"}">'
           f'{html.escape(verdict)}</div><table class="cmp cmp-all"><thead><tr>{columns}'
           f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    details = "".join(_flag_details(t, art) for art in report.articles
                      if not art.clean and art.article not in report.missing)
    if details:
        out += f'<div class="cmp-details">{details}</div>'
    if report.extra:
        out += (f'<p class="cmp-extra">'
                f'{html.escape(t("extra_articles", articles=", ".join(map(str, report.extra))))}'
                "</p>")
    if report.inconsistent_terms:
        items = "".join(
            f"<li><b lang=\"zh-CN\">{html.escape(term['zh'])}</b>: " + "; ".join(
                f"“{html.escape(r)}” ({html.escape(', '.join(refs))})"
                for r, refs in term["where"].items()) + "</li>"
            for term in report.inconsistent_terms)
        out += (f'<div class="cmp-terms"><div class="cards-title">'
                f'{html.escape(t("inconsistent_title"))}</div><ul>{items}</ul></div>')
    return out


def _flag_details(t: Words, art: Comparison) -> str:
    """What was flagged in one article, a line a flag."""
    lines = ([f'{t("flag_omission")}: {o["zh"]}' for o in art.omissions]
             + [f'{t("flag_addition")}: {a["candidate"]}' for a in art.additions]
             + [t("flag_term", terms=f'{x["zh"]} → {x["expected"]}') for x in art.terms]
             + [t("flag_number", numbers=f'{n["expected"]} ≠ {n["candidate"]}')
                for n in art.numbers])
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (f'<details open><summary>{html.escape(label(art.article))}</summary>'
            f"<ul>{items}</ul></details>")


def differences_html(t: Words, differences: Sequence[Difference]) -> str:
    """A checked statement's differences, element by element: the statement's words
    beside the provision's (empty when it differs in nothing)."""
    if not differences:
        return ""
    rows = "".join(
        f'<tr class="diff-{html.escape(d.element)}"><th scope="row">'
        f'{html.escape(t("el_" + d.element))}</th><td>{html.escape(d.statement)}</td>'
        f"<td>{html.escape(d.provision) or '—'}</td></tr>" for d in differences)
    columns = "".join(f'<th scope="col">{html.escape(t(c))}</th>' for c in (
        "col_element", "col_statement_says", "col_provision_says"))
    return (f'<div class="cards-title">{html.escape(t("differences_title"))}</div>'
            f'<table class="cmp diffs"><thead><tr>{columns}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")

