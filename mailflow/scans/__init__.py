"""Reading scans: page images from PDFs and photos, OCR, one PDF from a letter's photos.

Runs in worker processes after a letter's filing commit (registry.scans queues the work); no
database and no network here, only the files and Tesseract.
"""
