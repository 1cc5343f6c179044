from admin.cli import main

raise SystemExit(main())
