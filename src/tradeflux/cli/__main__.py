from tradeflux.cli import main

main()
