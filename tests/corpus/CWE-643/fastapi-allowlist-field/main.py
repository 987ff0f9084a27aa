from fastapi import FastAPI, HTTPException
from lxml import etree

app = FastAPI()
DOC = etree.parse("/srv/products.xml")
FIELDS = frozenset({"name", "sku", "price"})


@app.get("/products/field/{field}")
def product_field(field: str):
    if field not in FIELDS:
        raise HTTPException(400)
    return DOC.xpath(f"//product/{field}/text()")
