"""Browser tests: the notebooks run in real JupyterLab in headless Chromium."""
