from korea_ner.cli import main

main()
