"""One module per endpoint family. A route parses the request, calls one service or view
function, and returns a model from rag.wire."""
