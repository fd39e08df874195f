"""Knowledge layer: the procedure catalog, dossiers, Vietnamese text processing and search.

The Rasa actions and the FastAPI app are thin adapters over the service functions here.
"""
