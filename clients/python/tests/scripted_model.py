"""A model of our own for the SDK's Runner: canned answers in order, every request recorded as JSON."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from agents import Model, ModelResponse, Usage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText


def function_call(name: str, arguments: dict[str, Any], call_id: str, id: str) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(type="function_call", name=name, arguments=json.dumps(arguments), call_id=call_id, id=id, status="completed")


def assistant_message(text: str, id: str) -> ResponseOutputMessage:
    content = [ResponseOutputText(type="output_text", text=text, annotations=[])]
    return ResponseOutputMessage(type="message", role="assistant", status="completed", id=id, content=content)


def as_json(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else repr(value)


class ScriptedModel(Model):
    def __init__(self, answers: list[list[Any]]) -> None:
        self.answers = deque(answers)
        self.requests: list[str] = []

    async def get_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: Any,
        tools: list[Any],
        output_schema: Any,
        handoffs: list[Any],
        tracing: Any,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any,
    ) -> ModelResponse:
        request = {
            "instructions": system_instructions,
            "input": input,
            "model_settings": model_settings.to_json_dict(),
            "tools": [{"name": tool.name, "schema": tool.params_json_schema} for tool in tools],
            "previous_response_id": previous_response_id,
            "conversation_id": conversation_id,
        }
        self.requests.append(json.dumps(request, default=as_json))
        return ModelResponse(output=self.answers.popleft(), usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the scripted model answers Runner.run only")
