from feedback_mining.cli import main

raise SystemExit(main())
