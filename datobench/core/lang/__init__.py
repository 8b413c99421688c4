"""The user's vocabulary: element types, streams, layouts, decorators and task builtins."""
