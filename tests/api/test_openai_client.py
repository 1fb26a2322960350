from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import openai
import pytest
from fastapi import FastAPI

from index.embedder import HashingEmbedder

pytestmark = pytest.mark.slow  # the openai client against uvicorn

COAL = "煤炭产业占工业比重下降到多少"

# every test here runs on an embedded index and on one held in Milvus (Milvus Lite)
pytestmark = pytest.mark.parametrize("backend", ["embedded", "milvus"])


def test_the_openai_client_works_unmodified(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], auth: dict[str, str]
) -> None:
    key = auth["Authorization"].split()[1]
    with serve(make_app(require_key_for_reads=True)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)

        assert [m.id for m in client.models.list()] == ["citeqa", "citeqa/idx", "hashing-64"]

        completion = client.chat.completions.create(
            model="citeqa",
            messages=[
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "Hi! Ask me about the reports."},
                {"role": "user", "content": COAL},
            ],
            temperature=0.2,
        )
        content = completion.choices[0].message.content or ""
        answer, sources = content.split("\n\n来源：\n")
        assert answer.startswith("2021年煤炭产业占工业比重下降到6.1%。[1]")
        assert sources.startswith("[1] ")
        assert completion.model == "citeqa" and completion.choices[0].finish_reason == "stop"
        payload = completion.to_dict()
        citations = payload["citations"]
        assert 0.0 <= payload["confidence"] <= 1.0 and payload["abstained"] is False
        assert citations[0]["n"] == 1 and citations[0]["source"].endswith("coal.txt")

        chunks = list(
            client.chat.completions.create(
                model="citeqa", messages=[{"role": "user", "content": COAL}], stream=True
            )
        )
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
        assert streamed == content
        assert chunks[0].choices[0].delta.role == "assistant"
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert chunks[-1].to_dict()["citations"] == citations
        assert len(chunks) > 3

        with pytest.raises(openai.NotFoundError) as missing:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": COAL}]
            )
        assert "the models are 'citeqa', 'citeqa/idx'" in str(missing.value)

        stranger = openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError, match="not valid for this server"):
            stranger.chat.completions.create(
                model="citeqa", messages=[{"role": "user", "content": COAL}]
            )


def test_the_stream_is_server_sent_events_ending_with_done(
    make_app: Callable[..., FastAPI],
) -> None:
    from fastapi.testclient import TestClient

    with TestClient(make_app()) as client:
        body = {"model": "citeqa", "stream": True, "messages": [{"role": "user", "content": COAL}]}
        response = client.post("/v1/chat/completions", json=body)
        no_user = client.post(
            "/v1/chat/completions",
            json={"model": "citeqa", "messages": [{"role": "system", "content": "x"}]},
        )
        parts = client.post(
            "/v1/chat/completions",
            json={
                "model": "citeqa",
                "messages": [{"role": "user", "content": [{"type": "text", "text": COAL}]}],
            },
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    assert all(e.startswith("data: {") for e in events[:-2])
    assert no_user.status_code == 422 and no_user.json()["error"]["code"] == "no_question"
    assert parts.json()["choices"][0]["message"]["content"].startswith("2021年煤炭产业")


def test_embeddings_create_gives_citeqas_own_vectors(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], auth: dict[str, str]
) -> None:
    texts = [
        "煤炭产业占工业比重下降到多少",
        "passage: 2021年煤炭产业占工业比重下降到6.1%。",
        "coal",
    ]
    ours = HashingEmbedder(64)
    want = np.vstack(
        [ours.embed([texts[0]], "query"), ours.embed([texts[1][9:]], "passage"),
         ours.embed([texts[2]], "query")]
    )  # fmt: skip
    key = auth["Authorization"].split()[1]
    with serve(make_app(require_key_for_reads=True)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)
        default = client.embeddings.create(model="hashing-64", input=texts)  # base64, decoded
        as_floats = client.embeddings.create(
            model="hashing-64", input=texts, encoding_format="float"
        )
        as_base64 = client.embeddings.create(
            model="hashing-64", input=texts, encoding_format="base64"
        )
        for reply, decode in ((default, list), (as_floats, list), (as_base64, _from_base64)):
            got = np.array([decode(d.embedding) for d in reply.data], dtype=np.float32)
            assert [d.index for d in reply.data] == [0, 1, 2]
            np.testing.assert_allclose(got, want, atol=1e-6)
            assert reply.model == "hashing-64"
        one = client.embeddings.create(model="hashing-64", input=texts[0])
        np.testing.assert_allclose(one.data[0].embedding, want[0], atol=1e-6)
        as_passages = client.embeddings.create(
            model="hashing-64", input=[texts[0]], extra_body={"input_type": "passage"}
        )
        np.testing.assert_allclose(
            as_passages.data[0].embedding, ours.embed([texts[0]], "passage")[0], atol=1e-6
        )

        with pytest.raises(openai.NotFoundError, match="this index's is 'hashing-64'"):
            client.embeddings.create(model="text-embedding-3-small", input="coal")
        for bad, says in (
            ([], "empty list"), (["", "coal"], "input[0] is empty"),
            (["煤" * 9000], "9,000 characters long"), (["x"] * 300, "300 texts"),
        ):  # fmt: skip
            with pytest.raises(openai.UnprocessableEntityError, match=re.escape(says)):
                client.embeddings.create(model="hashing-64", input=bad)
        with pytest.raises(openai.UnprocessableEntityError, match="gives 64"):
            client.embeddings.create(model="hashing-64", input="coal", dimensions=32)


def _from_base64(value: Any) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value), dtype="<f4")
