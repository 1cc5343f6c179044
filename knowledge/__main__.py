from knowledge.cli import main

raise SystemExit(main())
