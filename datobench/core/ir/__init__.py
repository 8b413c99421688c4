"""The program IR: plain typed dataclasses, a text printer and an exact JSON form."""
