"""The knowledge base and how questions are matched to it.

Owns the outline importer, the editable data file, the normaliser, the tokenizer, the index and
the matcher with its thresholds. It must not know about chats, users, platforms or storage: it
takes text in and gives ranked items and an outcome back.
"""
