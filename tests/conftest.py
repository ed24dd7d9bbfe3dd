pytest_plugins = ["tests.fakes.fixtures", "tests.backstage.fixtures"]
