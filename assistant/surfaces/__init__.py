"""Where people and tools meet Tiaoli: Answers and reports in; text, HTML, JSON out.

The CLI, the chat page, the JSON API, the OpenAI-compatible /v1, the MCP tools and
feedback; they format what the stages below return and never reach into them.
"""
