from tutor_cloud.cli import main

raise SystemExit(main())
