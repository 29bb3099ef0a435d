module example.com/fnguard-provided-go

go 1.22
