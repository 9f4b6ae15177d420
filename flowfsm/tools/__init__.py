"""What reads flows without Discord: diagrams, check, explore, the command line, the playground."""
