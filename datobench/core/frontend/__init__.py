"""Python source -> typed IR. All source-located errors come from here."""
