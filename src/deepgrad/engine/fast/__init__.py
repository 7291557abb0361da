"""The speed devices, declared apart from the evening read: compile, array JVPs and the reverse
levels they read, the allocator, the selection against zero by a mask.

docs/engine.md's last chapter, "how it is made fast", walks through each and what it buys.
"""
