"""`python -m journey_generator --accounts N --seed S --out DIR [--dirty]`: the generator without the journey CLI."""

from .cli import main

if __name__ == "__main__":  # not when a spawned worker process re-imports this module
    raise SystemExit(main())
