"""Custom Rasa NLU components: the Vietnamese tokenizer and the dossier-code extractor.

Rasa finds them by their dotted paths in ``bot/config.yml``; importing this package stays
cheap (underthesea and spaCy load on first use).
"""
