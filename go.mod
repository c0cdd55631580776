module hookd

go 1.26.8
