"""The item API's routes, under /api/."""

from django.urls import path

from .apis import ItemCollectionApi, ItemDetailApi

urlpatterns = [
    path("items", ItemCollectionApi.as_view(), name="item-list"),
    path("items/<str:item_id>", ItemDetailApi.as_view(), name="item-detail"),
]
