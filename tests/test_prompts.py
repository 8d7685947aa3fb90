from __future__ import annotations

import ast
import io
import json
import re
import shutil
import tokenize
from pathlib import Path

import pytest

from assistant.answer.prompts import PromptError, load_prompts
from assistant.settings import Settings


@pytest.fixture
def prompts_copy(tmp_path: Path, settings: Settings) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(settings.prompts_dir, target)
    return target


def test_bundled_prompts_load_with_one_refusal_per_language(settings: Settings) -> None:
    prompts = load_prompts(settings.prompts_dir)
    assert prompts.refusal("zh") == "本条例未对此作出规定。"
    assert prompts.refusal("en") == "These Regulations do not address this."
    for lang in ("zh", "en"):
        assert "{refusal}" in prompts.template("answer", lang)


def test_unknown_placeholder_names_the_file(prompts_copy: Path) -> None:
    path = prompts_copy / "answer.en.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n{articles}\n", encoding="utf-8")
    says = r"answer\.en\.txt: unknown placeholder\(s\) \['articles'\]"
    with pytest.raises(PromptError, match=says):
        load_prompts(prompts_copy)


def test_missing_prompt_file(prompts_copy: Path) -> None:
    (prompts_copy / "condense.zh.txt").unlink()
    with pytest.raises(PromptError, match=r"condense\.zh\.txt: no such prompt file"):
        load_prompts(prompts_copy)


def test_phrase_missing_a_language(prompts_copy: Path) -> None:
    path = prompts_copy / "phrases.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"en": "These Regulations do not '
                                                             'address this."', '"en": ""'),
                    encoding="utf-8")
    with pytest.raises(PromptError, match="'refusal' needs a zh and an en phrase"):
        load_prompts(prompts_copy)


# ------------------------------------------------------ interface.json


def _edit_json(path: Path, section: str | None, name: str, value: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    target = data[section] if section else data
    if value is None:
        del target[name]
    else:
        target[name] = value
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(("name", "value", "says"), [
    pytest.param("feedback_recorded", "谢谢 #{id}", r"page\.feedback_recorded\): unknown "
                 r"placeholder\(s\) \['id'\]", id="unknown-placeholder"),
    pytest.param("send", None, r"page\.send\): missing or empty", id="missing-entry"),
    pytest.param("sned", "发送 Send", r"unknown page entries \['sned'\]", id="misspelt-entry"),
    pytest.param("examples", "第三条是什么？", r"page\.examples\): needs a list", id="not-a-list"),
])
def test_a_broken_interface_entry_names_the_file_and_entry(
        prompts_copy: Path, name: str, value: object, says: str) -> None:
    _edit_json(prompts_copy / "interface.json", "page", name, value)
    with pytest.raises(PromptError, match=r"interface\.json.*" + says):
        load_prompts(prompts_copy)


def test_answers_and_the_page_take_their_words_from_prompts(
        prompts_copy: Path, settings: Settings) -> None:
    from assistant.app import build_assistant
    from assistant.surfaces.web import ChatPage

    _edit_json(prompts_copy / "phrases.json", None, "missing_article",
               {"zh": "{refusal}{regulation}里找不到{label}（计{count}条）",
                "en": "{refusal} [no {label} in the {regulation}: {count}]"})
    _edit_json(prompts_copy / "interface.json", "page", "cards_cited_title", "援引 Cited here")
    assistant = build_assistant(settings.model_copy(update={"prompts_dir": prompts_copy}))
    assert "本条例里找不到第二十五条（计二十条）" in assistant.ask("第二十五条是什么？").answer
    assert "[no Article 25 in the Regulations: 20]" in assistant.ask("What is Article 25?").answer
    page = ChatPage(assistant)
    assert "援引 Cited here" in page.cards(assistant.ask("第十七条讲什么？"))


# ------------------------------------------- no user wording in the code

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
HAN = re.compile(r"[\u3400-\u9fff]")


def _exempt_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where Chinese may stand in code: docstrings, and the arguments of an exception
    (an error's message and hint are English diagnostics with an example)."""
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                spans.append(first)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.endswith("Error"):
                spans += [*node.args, *(k.value for k in node.keywords)]
    return [((n.lineno, n.col_offset), (n.end_lineno or n.lineno, n.end_col_offset or 0))
            for n in spans]


def chinese_in_code(root: Path) -> list[str]:
    """String literals holding Chinese outside text/ (the law's own notation: numerals,
    labels, the parser's grammar), docstrings, raw strings (regular expressions) and
    exception arguments: wording users read, which belongs in prompts/."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] == "text":
            continue
        source = path.read_text(encoding="utf-8")
        exempt = _exempt_spans(ast.parse(source))
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.STRING or not HAN.search(tok.string):
                continue
            prefix = tok.string[: len(tok.string) - len(tok.string.lstrip("rRbBuUfF"))]
            if "r" in prefix.lower():
                continue
            if any(a <= tok.start < b for a, b in exempt):
                continue
            found.append(f"{path.relative_to(root.parent)}:{tok.start[0]}: {tok.string[:60]}")
    return found


def test_no_user_wording_in_the_code() -> None:
    assert chinese_in_code(PACKAGE) == []


@pytest.mark.parametrize("planted", [
    pytest.param('NOTE = "本条例没有相关规定"\n', id="constant"),
    pytest.param('def f(n: int) -> str:\n    return f"共{n}条"\n', id="f-string"),
])
def test_planted_wording_is_caught(tmp_path: Path, planted: str) -> None:
    root = tmp_path / "assistant"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    (root / "surfaces" / "planted.py").write_text(planted, encoding="utf-8")
    assert [f.split(":")[0] for f in chinese_in_code(root)] == ["assistant/surfaces/planted.py"]
