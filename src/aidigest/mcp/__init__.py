"""``aidigest mcp``: an MCP server (official ``mcp`` SDK, stdio) over the library.

:mod:`aidigest.mcp.views` holds what each tool returns, as plain functions over the config
and the store; :mod:`aidigest.mcp.server` registers them as MCP tools and resources.
"""
