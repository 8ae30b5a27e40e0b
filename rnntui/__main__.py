from rnntui.cli import main

# Guarded: workers that `rnntui train --nproc` spawns import this module again and must not rerun the CLI.
if __name__ == "__main__":
    main()
