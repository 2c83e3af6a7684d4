"""The format toolkit every area's exports use: the PDF frame (pdfdoc), the Word frame (docxdoc), the CJK font
finder (fonts) and CSV tables with formula neutralising (tables). What a document says lives with its area."""
