from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from fastapi import FastAPI

COAL = "煤炭产业占工业比重下降到多少"


def test_the_openai_client_works_unmodified(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], auth: dict[str, str]
) -> None:
    key = auth["Authorization"].split()[1]
    with serve(make_app(require_key_for_reads=True)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)

        assert [m.id for m in client.models.list()] == ["citeqa"]

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
        assert "the only model is 'citeqa'" in str(missing.value)

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
