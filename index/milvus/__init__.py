"""An index held in Milvus: the connection and its collections (``connection``), the writer
(``store``, ``documents``, ``weights``), the search (``search``) and the copy of a folder
index into Milvus (``copy_index``). Imported only when an index names a Milvus URI."""
