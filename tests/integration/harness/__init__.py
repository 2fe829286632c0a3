"""Harness of the integration tests: llmcored on a private system-like bus."""
