"""Renderers: turn result objects (already computed) into text."""
