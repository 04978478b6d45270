print("slope-bench")
