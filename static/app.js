// progressive enhancement: see issue 3
