"""A model that answers from what it is given, without network: it looks the weather up for a
new question, then answers with the turn's number and the question before, which it can only
know from the session's history."""

import json
from typing import Any

from agents import Model, ModelResponse, Usage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText


class OfflineModel(Model):
    async def get_response(self, system_instructions: Any, input: Any, *args: Any, **kwargs: Any) -> ModelResponse:
        items = [{"role": "user", "content": input}] if isinstance(input, str) else input
        questions = [item["content"] for item in items if item.get("role") == "user"]
        if items[-1].get("role") == "user":
            call_id = f"call_{len(questions)}"
            arguments = json.dumps({"city": "Paris"})
            output: Any = ResponseFunctionToolCall(type="function_call", name="get_weather", arguments=arguments, call_id=call_id, status="completed")
        else:
            before = f" Before that you asked: {questions[-2]}" if len(questions) > 1 else ""
            text = f"Turn {len(questions)}: {items[-1]['output']}.{before}"
            content = [ResponseOutputText(type="output_text", text=text, annotations=[])]
            output = ResponseOutputMessage(type="message", role="assistant", status="completed", id=f"msg_{len(questions)}", content=content)
        return ModelResponse(output=[output], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError
