"""`python -m simulator` is `media77-sim`."""

from simulator.cli import main

raise SystemExit(main())
