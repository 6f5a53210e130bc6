print("sandbox-run: not yet built")
