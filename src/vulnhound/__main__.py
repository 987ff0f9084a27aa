from vulnhound.cli import main

raise SystemExit(main())
