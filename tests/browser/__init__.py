"""Helpers of the real-browser test: a throwaway JupyterLab server and Playwright page actions."""
