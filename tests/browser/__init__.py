"""Browser tests: the web pages driven in headless Chromium."""
