from archcmp.cli import run

run()
